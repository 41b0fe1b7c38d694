"""Microsoft Entra ID as the source of the organisation: a Graph client, the sync command and its nightly job."""
