-- What a session was opened from, for 我的设备: the browser and system named by its User-Agent
-- ("Chrome · Android"), or a device client's registered name. Never the raw User-Agent or the
-- address. Sessions opened before this have none.
ALTER TABLE sessions ADD COLUMN device text CHECK (char_length(device) <= 80);
