/** A new random password in a shell command (30 random bytes, base64 without `/`, `+` and `=`): what a printed `kubectl create secret` puts in. */
export const NEW_PASSWORD = '"$(openssl rand -base64 30 | tr -d \'/+=\')"';
