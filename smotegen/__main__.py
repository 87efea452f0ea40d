from smotegen.cli import main

main()
