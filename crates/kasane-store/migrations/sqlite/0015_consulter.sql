-- The consulter picked from the registered persons (#11): a mother who consults about her son
-- is often a record of her own. Optional (an anonymous neighbour is not); the typed name stays
-- beside it, so the intake reads the same whatever becomes of the link.
ALTER TABLE intake ADD COLUMN consulter_person_id INTEGER REFERENCES person(id);
