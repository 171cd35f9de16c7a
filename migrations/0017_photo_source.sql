-- A post's photo is a web image (photo_url) or a file Telegram already has
-- (photo_file_id, an admin's photo), no longer a "tg-file:" URL.
ALTER TABLE posts ADD COLUMN photo_file_id TEXT;
UPDATE posts SET photo_file_id = substr(photo_url, length('tg-file:') + 1), photo_url = NULL
WHERE photo_url LIKE 'tg-file:%';
