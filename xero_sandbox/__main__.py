from xero_sandbox.server import main

main()
