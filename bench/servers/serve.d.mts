import type { Server } from 'node:http'
import type { IncomingMessage } from 'node:http'

export declare const USER: Readonly<{ id: string; name: string; role: string }>
export declare const LOGIN_USERS: number
export declare function listen(server: Server): void
export declare function skip(reason: unknown): never
export declare function nextLoginUser(): string
export declare function readBody(req: IncomingMessage): Promise<string>
export declare function countCalls(target: object, names: string[]): Record<string, number>
export declare function publishOps(counts: Record<string, number>): void
export declare function describeSetup(facts: Record<string, string | number | boolean>): void
