"""Widgets shared by the tenant and the admin screens."""
