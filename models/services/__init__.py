"""Use cases: keyword-only functions that take a session, enforce the rules and own their transaction.

Each writing use case commits before it returns, and rolls back when it raises, so a
caller can never leave half a change behind. Edges call these and translate
`models.errors.DomainError` into their own way of saying no.
"""
