/** The throwaway PostgreSQL server the tests start (shared with the benchmark): src/bench/postgres-cluster.ts. */
export { TestPostgres, freePort, postgresBinDir } from '../../src/bench/postgres-cluster';
