/** An operator mistake (unknown node, bad setting, missing binary): the hosts show its message as is. */
export class LabError extends Error {}
