"""Accounts, sessions and keymaps as plain values, and what a new password must be."""
