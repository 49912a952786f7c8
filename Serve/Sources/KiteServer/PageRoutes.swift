import Hummingbird

/// The search page (`/`, `/app.js`, `/style.css`) and the API's OpenAPI document (`/openapi.json`), compiled into
/// the binary from `Page/` and `openapi.json`: no file is read at run time and nothing is fetched from elsewhere.
/// The page keeps its state in its URL (`/?q=…&period=…&doc=…`), so a search can be reloaded, gone back to and shared.
enum PageRoutes {
    static func add(to router: Router<KiteRequestContext>) {
        serve(router, "/", PackageResources.index_html, "text/html; charset=utf-8")
        serve(router, "/app.js", PackageResources.app_js, "text/javascript; charset=utf-8")
        serve(router, "/style.css", PackageResources.style_css, "text/css; charset=utf-8")
        serve(router, "/openapi.json", PackageResources.openapi_json, "application/json; charset=utf-8")
    }

    private static func serve(_ router: Router<KiteRequestContext>, _ path: RouterPath, _ bytes: [UInt8], _ type: String) {
        // Any query is the page's own state (`/?q=…&period=…`, read by app.js), not a parameter of the route.
        router.get(path) { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
