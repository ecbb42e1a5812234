import { main } from "./cli.ts";

const code = await main(process.argv.slice(2), process.env);
process.exitCode = code;
// Let stdout drain, then exit even if a library left a handle open.
setTimeout(() => process.exit(code), 50).unref();
