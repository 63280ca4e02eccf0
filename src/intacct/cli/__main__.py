from intacct.cli import main

main()
