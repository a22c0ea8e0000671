"""The first-day acceptance scenario (issue #15): a world of BMS and the sandbox driven together.

    xero_side.py   what people do in Xero, through the sandbox's API and control plane (never BMS's client)
    bms_side.py    what people and the schedule do in BMS: demo history, connecting, invoices, the quiescence loop
    agreement.py   every record BMS sent, side by side with what Xero holds; the differences, each with its cause
"""
