// Prints the server command Claude Desktop would run for an unpacked bundle: the manifest's
// mcp_config with ${__dirname}, ${HOME}... and ${user_config.*} substituted by the official
// @anthropic-ai/mcpb library (getMcpConfigForManifest), or null when a required setting is missing.
//
// usage: node mcp_config.mjs <@anthropic-ai/mcpb package dir> <unpacked bundle> '<settings JSON>'
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [mcpbPackage, bundleDir, settings] = process.argv.slice(2);
const { getMcpConfigForManifest } = await import(
  pathToFileURL(path.join(mcpbPackage, "dist", "node.js")).href
);
const home = os.homedir();
const config = await getMcpConfigForManifest({
  manifest: JSON.parse(readFileSync(path.join(bundleDir, "manifest.json"), "utf8")),
  extensionPath: path.resolve(bundleDir),
  systemDirs: {
    HOME: home,
    DESKTOP: path.join(home, "Desktop"),
    DOCUMENTS: path.join(home, "Documents"),
    DOWNLOADS: path.join(home, "Downloads"),
  },
  userConfig: JSON.parse(settings),
  pathSeparator: path.sep,
});
process.stdout.write(JSON.stringify(config ?? null));
