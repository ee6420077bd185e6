"""Issuing credentials: judging a bundle (``judging``), the learners it names (``learners``),
drafting the credential (``drafting``), signing and self-checking it (``sealing``), and bulk
issuance in batches, optionally signed by worker processes (``bulk``); ``outcomes`` holds what
a request is answered with."""
