alter system set primary_conninfo = 'host=10.0.0.1 user=rep password=SECRET_A'
alter system reset primary_conninfo
create foreign data wrapper redact_fdw
create server redact_srv foreign data wrapper redact_fdw options (host 'SECRET_B', password 'SECRET_C')
create user mapping for postgres server redact_srv options (password 'SECRET_D')
alter role postgres set application_name = 'SECRET_E'
alter role postgres reset application_name
create role redact_role login password 'SECRET_F'
alter role redact_role password 'SECRET_G' valid until '2999-01-01'
create table redact_t (a int default 987654321, b text check (b <> 'SECRET_H'))
comment on table redact_t is 'SECRET_I'
notify redact_ch, 'SECRET_J'
prepare redact_p as select 'SECRET_K', 987654321
execute redact_p
create procedure redact_setpw(t text) language sql as $$ select 'SECRET_L' $$
call redact_setpw('SECRET_M')
create function redact_f() returns text language sql as 'select ''SECRET_N'''
create table redact_t2 as select 'SECRET_O' as c
copy (select 1) to program 'cat >/dev/null # SECRET_P'
/* SECRET_Q /* nested SECRET_R */ still SECRET_S */ select 1
select 1 -- SECRET_T
select -(987654321), - 987654321.5, 9.87654321e8
do $body$ begin perform 'SECRET_U'; end $body$
select E'SECRET_V\n', U&'SECRET_W', $q$SECRET_X$q$
set search_path = 'SECRET_Y'
select 'SECRET_Z' || 'unterminated
