// The browser data layer (components/data.ts) bundled with DuckDB-WASM, Apache Arrow and hyparquet.
import { bundleComponent } from "../../loaders/site/bundle.js";

// Bundle and tree-shake with esbuild.
process.stdout.write(await bundleComponent("data"));
