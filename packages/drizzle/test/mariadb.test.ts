import { mysqlKit } from './suites/mariadb.js';
import { runServerSuites } from './suites/server.js';

runServerSuites({ name: 'MariaDB/MySQL', variable: 'CEREAL_MYSQL_URL', example: 'mysql://root@127.0.0.1:3306/test', kit: mysqlKit });
