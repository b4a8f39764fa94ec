/**
 * Local test images built by scripts/build-test-images.sh (nothing can be pulled from a registry).
 * Keep these names in sync with that script.
 */

/** Static busybox with applet symlinks (sh, sleep, httpd, nc, wget, ...), root and nobody users, /tmp 1777. */
export const BUSYBOX_IMAGE = 'spin-test/busybox:1';
/** FROM BUSYBOX_IMAGE: `busybox httpd -f -p 8080 -h /www`; `/` says "spin-test web v1", `/healthz` says "ok". */
export const WEB_IMAGE = 'spin-test/web:1';
/** Same as WEB_IMAGE but `/` says "spin-test web v2", so an update is visible. */
export const WEB_IMAGE_V2 = 'spin-test/web:2';
/** Port the web images listen on inside the container. */
export const WEB_PORT = 8080;

export const TEST_IMAGES = [BUSYBOX_IMAGE, WEB_IMAGE, WEB_IMAGE_V2] as const;
