"""`python -m xero_sandbox --port 8001 --data DIR`"""

from xero_sandbox.server import main

main()
