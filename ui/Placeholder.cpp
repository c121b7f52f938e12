void placeholder_ui(){}
