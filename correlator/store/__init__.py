"""The store: incidents, tickets, pages and the dispatch outbox, behind one Protocol.

Two implementations pass one contract suite (tests/contract/test_store.py): SQLite, the
embedded default (a file in the data folder, or ``:memory:``), and PostgreSQL for
production. Importing this package opens nothing; the composition root builds a store and
calls ``await store.open()``.
"""
