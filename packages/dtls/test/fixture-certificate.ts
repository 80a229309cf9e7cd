/**
 * A fixed ECDSA P-256 certificate and key made with
 * `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=fixture -days 3650`,
 * kept inline so compiled tests find it. Test material only.
 */
export const FIXTURE_CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIBejCCAR+gAwIBAgIUUKooVLfiL/YUtVuBbA3y3FiqVV4wCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHZml4dHVyZTAeFw0yNjExMjgwMDUyMDBaFw0zNjExMjUwMDUy
MDBaMBIxEDAOBgNVBAMMB2ZpeHR1cmUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AAToOGhYmosB0NKimBS24m4gFRZ0DqO+pnpnEaDnN+C/9XzUSn3E6ZPigkm+a4Qf
oac/Oafz27ejIjMFvvN8VFQAo1MwUTAdBgNVHQ4EFgQUvkY5SArGqc0pQ6ERjACD
0hvd6rEwHwYDVR0jBBgwFoAUvkY5SArGqc0pQ6ERjACD0hvd6rEwDwYDVR0TAQH/
BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEArw98RglgDJbN4rb6pidalRCM1tDR
Wv773cicjtmRq60CIQDjWNAXtBZ/uvd+sSmcwLKIJTcW5pG3RvYy1jwViz66ZA==
-----END CERTIFICATE-----
`;

export const FIXTURE_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQglJEhjb6M/ty1R58C
MkWXsR1pEJCihS5/jh87DGe4bGehRANCAAToOGhYmosB0NKimBS24m4gFRZ0DqO+
pnpnEaDnN+C/9XzUSn3E6ZPigkm+a4Qfoac/Oafz27ejIjMFvvN8VFQA
-----END PRIVATE KEY-----
`;
