"""Turns articles into ledger rows: load → clean → nlp → summarise → positions → persist.

Nothing here knows about chat platforms.
"""
