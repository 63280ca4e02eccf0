"""Third-party Intacct clients (fylein's sageintacctsdk, Sage's JS SDK) driven against
the emulator; see README.md here."""
