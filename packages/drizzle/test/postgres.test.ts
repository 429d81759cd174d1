import { pgKit } from './suites/postgres.js';
import { runServerSuites } from './suites/server.js';

runServerSuites({ name: 'PostgreSQL', variable: 'CEREAL_PG_URL', example: 'postgres://postgres@127.0.0.1:5432/test', kit: pgKit });
