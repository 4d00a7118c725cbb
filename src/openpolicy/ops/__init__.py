"""Operations: deploy, rollback, smoke test, backup/restore, render."""
