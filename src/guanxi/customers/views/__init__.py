"""The customers pages (server-rendered, htmx): lists, record pages, forms, the recycle bin and
the settings pages for custom fields, pick lists and tags."""
