-- Step 5: `kasane gen` drops the secondary indexes of the tables it loads and builds each
-- once at the end. What it dropped is kept here until it is built again, so that a load
-- cut off halfway is repaired when the store next opens (Store::migrate).
CREATE TABLE bulk_dropped_index (
    name TEXT PRIMARY KEY,
    definition TEXT NOT NULL
);
