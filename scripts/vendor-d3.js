// Concatenates the UMD builds of d3-force and d3-zoom (and the d3 modules they
// need) into one file, in dependency order, so the network page loads one script.
// Run through `npm run vendor`; the output is committed and npm is not needed
// to run or test plankg.
"use strict";
const fs = require("fs");
const path = require("path");

const ORDER = [
  "d3-dispatch", "d3-quadtree", "d3-timer", "d3-force",
  "d3-selection", "d3-color", "d3-interpolate", "d3-ease", "d3-transition", "d3-drag", "d3-zoom",
];
const out = path.join(__dirname, "..", "service", "static", "vendor", "d3");
fs.mkdirSync(out, { recursive: true });
const parts = [];
const versions = [];
const licences = [];
for (const name of ORDER) {
  const dir = path.join(__dirname, "..", "node_modules", name);
  const version = require(path.join(dir, "package.json")).version;
  versions.push(`${name} ${version}`);
  parts.push(`// ${name} ${version}\n` + fs.readFileSync(path.join(dir, "dist", `${name}.min.js`), "utf8").trim());
  licences.push(`${name} ${version}\n\n` + fs.readFileSync(path.join(dir, "LICENSE"), "utf8").trim());
}
fs.writeFileSync(path.join(out, "d3-network.min.js"), parts.join("\n") + "\n");
fs.writeFileSync(path.join(out, "VERSION"), versions.join("\n") + "\n");
fs.writeFileSync(path.join(out, "LICENSE"), licences.join("\n\n----\n\n") + "\n");
