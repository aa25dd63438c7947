// The Threadr server this build talks to unless the options page says otherwise.
// `threadr extension build` rewrites this file with settings.extension_server_url.
export const DEFAULT_SERVER_URL = 'http://localhost:8080';
