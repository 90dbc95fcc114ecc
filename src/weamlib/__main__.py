from weamlib.cli.main import main

raise SystemExit(main())
