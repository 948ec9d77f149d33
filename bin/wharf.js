#!/usr/bin/env node
import { main } from "../dist/cli/main.js";

const status = await main(process.argv.slice(2));
process.exit(status);
