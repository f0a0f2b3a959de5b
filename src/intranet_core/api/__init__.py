"""The JSON API, ``/api/v1``: the feed, posts, acknowledgements, comments, reactions, notifications.

Bearer tokens only (made on the account's token page); msgspec Structs for
every request and response, published in the OpenAPI schema at
``/schema/openapi.json``. ``/api/v1/me`` lives with the account and
``/api/v1/search`` with search.
"""
