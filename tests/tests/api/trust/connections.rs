//! Finding 7: no read timeouts and no connection limit.
