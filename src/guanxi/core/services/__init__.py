"""Every write in core: plain functions taking the acting membership (see CONVENTIONS.md)."""
