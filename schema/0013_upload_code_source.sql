-- What an upload code was made for: the phone (the portal's QR) or the kiosk's document camera
-- (a kiosk-channel session made it). Its pages carry that as their source.
ALTER TABLE upload_codes
  ADD COLUMN source text NOT NULL DEFAULT 'phone' CHECK (source IN ('phone', 'kiosk'));
