from retrogan.cli import main

main()
