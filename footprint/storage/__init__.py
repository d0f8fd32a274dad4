"""The inbox new files arrive in, and the raw store that keeps every file once, by content.

Each is a folder or an S3 bucket (or an S3-compatible store), chosen by its location string:
a path, or s3://BUCKET/PREFIX. inbox.open_inbox and raw_store.open_raw_store return either with
the same methods; files holds what both do to local files, s3 what both do to a bucket.
"""
