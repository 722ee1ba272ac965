from influscope.cli import main

main()
