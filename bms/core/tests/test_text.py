from bms.core.text import counted, counted_phrase


def test_counts_read_as_words_for_one_and_for_many():
    assert [counted(n, "invoice") for n in (0, 1, 2)] == ["0 invoices", "1 invoice", "2 invoices"]
    assert counted(1, "entity", "entities") == "1 entity" and counted(2, "entity", "entities") == "2 entities"


def test_a_sync_outcomes_phrase_is_made_singular_for_one():
    assert counted_phrase(1, "accounts added") == "1 account added"
    assert counted_phrase(1, "tax rates updated") == "1 tax rate updated"
    assert counted_phrase(1, "invoices brought up to date") == "1 invoice brought up to date"
    assert counted_phrase(1, "accounts without a code skipped") == "1 account without a code skipped"
    assert counted_phrase(1, "payments recorded") == "1 payment recorded"
    assert counted_phrase(3, "payments recorded") == "3 payments recorded"
