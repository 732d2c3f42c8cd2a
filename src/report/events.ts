// The one import point of the event-text module for src/report.
export * from "../events/index.ts";
