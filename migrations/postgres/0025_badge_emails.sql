-- An approved pledger is emailed its badge: the snippet to paste and its verification page.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('confirm', 'thanks', 'already_signed', 'renew', 'handin', 'update', 'badge'));
