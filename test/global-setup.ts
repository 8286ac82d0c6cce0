import type { TestProject } from 'vitest/node'
import { type RedisCluster, startRedisCluster } from './services/redis-cluster.js'
import { haveRedisBinaries } from './services/redis-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** `redis-cluster://…` of the cluster started below, or '' when none could be started. */
    redisClusterUrl: string
  }
}

/**
 * Vitest global set-up: starts the services no machine runs by itself. Today that is a
 * three-master Redis Cluster (PostgreSQL and standalone Redis are already running). A
 * `REDIS_CLUSTER_URL` from the environment is used as is. Without `redis-server` the cluster
 * suites skip loudly, except under `CI=true`, where a missing service is a failure.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let cluster: RedisCluster | null = null
  let url = process.env.REDIS_CLUSTER_URL ?? ''
  if (!url) {
    if (haveRedisBinaries()) {
      cluster = await startRedisCluster()
      url = cluster.url
    } else if (process.env.CI === 'true') {
      throw new Error('CI=true but redis-server/redis-cli are missing: cannot start Redis Cluster')
    } else {
      console.warn(
        '\n*** redis-server not found: the Redis Cluster suites are SKIPPED (install redis-server) ***\n',
      )
    }
  }
  process.env.REDIS_CLUSTER_URL = url
  project.provide('redisClusterUrl', url)
  return async () => {
    await cluster?.stop()
  }
}
