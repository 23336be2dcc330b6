/** An operator mistake or a missing prerequisite (unknown node, bad setting, no slapd): the hosts show its message as is. */
export class LabError extends Error {}
