"""Pull: fetch a month's data where it lives (metering APIs, SFTP drops, a mailbox) into the inbox.

Every source is a connector (connector.py) that lists what is new since its watermark and fetches it
as delivered; run.py stores each fetched file write-once in the inbox under `<source>/YYYY-MM/`,
records it in the warehouse's pull ledger (ledger.py) and advances a channel's watermark only once
everything of that channel is stored. Ingestion then reads the files like any other.
"""
