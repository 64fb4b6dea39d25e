DROP TABLE schedules;
DROP TABLE jobs;
