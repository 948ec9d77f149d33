export { disconnect as command } from "./network-connect.js";
