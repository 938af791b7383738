"""The admin screens, one module each; :mod:`ui.admin.screens.base` holds what they share."""
