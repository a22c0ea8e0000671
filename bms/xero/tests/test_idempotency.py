from bms.xero.sync.keys import batch_key, record_key


def test_it_gives_the_same_record_the_same_key_until_revision_or_epoch_changes():
    base = {"xero_tenant_id": "1b2c3d4e-aaaa-bbbb-cccc-123456789012", "kind": "invoice", "record_id": 42}
    assert record_key(**base, revision=1) == record_key(**base, revision=1)
    assert record_key(**base, revision=1) != record_key(**base, revision=2)
    assert record_key(**base, revision=1, epoch=0) != record_key(**base, revision=1, epoch=1)
    assert len(record_key(**base, revision=10**9, epoch=10**6, link_id=10**12)) <= 128


def test_a_link_made_again_for_the_same_record_gets_a_fresh_key():
    # Delete Integration then Sync: the new link row must not replay the old row's create in Xero.
    base = {"xero_tenant_id": "1b2c3d4e-aaaa-bbbb-cccc-123456789012", "kind": "contact", "record_id": 42,
            "revision": 7, "epoch": 0}
    assert record_key(**base, link_id=1) != record_key(**base, link_id=2)


def test_it_keys_a_batch_by_its_members_in_any_order():
    assert batch_key(["a", "b"], operation="create") == batch_key(["b", "a"], operation="create")
    assert batch_key(["a", "b"], operation="create") != batch_key(["a", "b", "c"], operation="create")
    assert batch_key(["a", "b"], operation="create") != batch_key(["a", "b"], operation="update")
    assert len(batch_key(["x"] * 50, operation="create")) <= 128
