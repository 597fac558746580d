"""The desk's read side: what each screen shows, as frozen rows made on the database worker.

Each function takes a ServiceContext and composes the common/ services; where a screen needs a
list no service gives yet (a day's payments, names beside an audited list), the query is here,
named and audited once, until a service takes it over.
"""
